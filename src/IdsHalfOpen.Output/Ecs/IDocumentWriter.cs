using System.Text.Json;

namespace IdsHalfOpen.Output.Ecs;

/// <summary>Writes one value as one complete JSON object; implementations keep a fixed field order and allocate nothing.</summary>
public interface IDocumentWriter<in T>
{
    void Write(Utf8JsonWriter writer, T value);
}
