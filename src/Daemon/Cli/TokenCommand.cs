using System.CommandLine;
using Kdumpd.Api.Auth;
using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Cli;

/// <summary><c>kdumpd token new --role ROLE [--name NAME] [--config FILE]</c>: prints a token once, stores its hash.</summary>
public static class TokenCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "read, download or operate", Required = true };
        role.AcceptOnlyFromAmong(ApiRoles.Read, ApiRoles.Download, ApiRoles.Operate);
        var name = new Option<string?>("--name") { Description = "a label for logs and audits (default: <role>-<utc time>)" };
        var config = new Option<string>("--config") { Description = "configuration file to add the token's hash to", DefaultValueFactory = _ => KdumpdOptions.DefaultConfigPath };

        var create = new Command("new", "Create an API token: the secret is printed once, only its SHA-256 is stored.") { role, name, config };
        create.SetAction(parse =>
        {
            if (!ApiRoles.TryParse(parse.GetValue(role), out var parsedRole))
            {
                Console.Error.WriteLine("kdumpd: --role must be read, download or operate");
                return 2;
            }

            var label = parse.GetValue(name) ?? $"{parsedRole.Name()}-{DateTime.UtcNow:yyyyMMddTHHmmssZ}";
            var path = parse.GetValue(config)!;
            var (secret, entry) = ApiToken.Create(label, parsedRole);
            ConfigEdit edit;
            try
            {
                edit = ConfigFileEditor.AddToken(path, entry);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException)
            {
                Console.Error.WriteLine($"kdumpd: {e.Message}");
                return 1;
            }

            if (edit.CommentsDropped)
            {
                Console.Error.WriteLine($"kdumpd: {path} was rewritten without its comments (JSON rewrites cannot keep them); the file as it was is saved as {edit.Backup}");
            }

            Console.Error.WriteLine($"token '{label}' ({parsedRole.Name()}) added to {path}. A kdumpd running with this file takes it without a restart: on its own within a second (it watches the file), at once with 'systemctl reload kdumpd'; 'journalctl -u kdumpd' shows 'Configuration reloaded'. It is shown only once:");
            Console.WriteLine(secret);
            return 0;
        });

        return new Command("token", "Manage API tokens.") { create };
    }
}
