namespace Kdumpd.Daemon.Configuration;

/// <summary>The configuration cannot be used: the message names every bad key.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
