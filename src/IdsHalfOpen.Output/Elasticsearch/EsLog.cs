namespace IdsHalfOpen.Output.Elasticsearch;

public enum EsLogLevel
{
    Debug,
    Information,
    Warning,
    Error,
}

/// <summary>
/// Where the shipper reports what it does. A plain callback rather than ILogger: the logging abstractions are not in
/// the shared framework and this library takes no package for them. Messages never hold a secret, and nothing is
/// reported per document above <see cref="EsLogLevel.Debug"/>.
/// </summary>
public delegate void EsLogCallback(EsLogLevel level, string message);
