namespace IdsHalfOpen.Integration.Tests.Compose;

public class YamlJsonTests
{
    [Fact]
    public void Convert_PlainScalars_AreTypedByTheCoreSchema()
    {
        var json = YamlJson.Convert("""
            int: 42
            negative: -1
            octal: 0o17
            hex: 0x1F
            float: 2.5
            bool: true
            upper: FALSE
            nothing: ~
            empty:
            word: yes
            size: 2g
            time: 10s
            quoted: "42"
            block: |
              line
            single: 'true'
            """)!;

        Assert.Equal("""{"int":42,"negative":-1,"octal":15,"hex":31,"float":2.5,"bool":true,"upper":false,"nothing":null,"empty":null,"word":"yes","size":"2g","time":"10s","quoted":"42","block":"line\n","single":"true"}""", json.ToJsonString());
    }

    [Fact]
    public void Convert_AnchorsAndMergeKeys_AreResolvedWithLocalKeysWinning()
    {
        var json = YamlJson.Convert("""
            x-base: &base
              image: app
              volumes: [a]
            x-more: &more
              image: other
              restart: always
            one:
              <<: *base
              volumes: [b]
            two:
              <<: [*base, *more]
            three: *base
            """)!;

        Assert.Equal("""{"volumes":["b"],"image":"app"}""", json["one"]!.ToJsonString());
        Assert.Equal("""{"image":"app","volumes":["a"],"restart":"always"}""", json["two"]!.ToJsonString());
        Assert.Equal("""{"image":"app","volumes":["a"]}""", json["three"]!.ToJsonString());
        Assert.False(json["one"]!.AsObject().ContainsKey("<<"));
    }

    [Fact]
    public void Convert_DuplicateKey_IsRejected()
    {
        Assert.ThrowsAny<Exception>(() => YamlJson.Convert("a: 1\na: 2\n"));
    }

    [Fact]
    public void Convert_QuotedMergeKey_IsAnOrdinaryKey()
    {
        var json = YamlJson.Convert("\"<<\": 1\n")!;
        Assert.Equal(1, json["<<"]!.GetValue<long>());
    }
}
