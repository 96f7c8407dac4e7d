using Labd.Agents;
using Labd.Api;
using Labd.Experiments;
using Labd.Hosting;
using Labd.Interop;
using Labd.Logging;
using Labd.Policy;
using Labd.Runs;
using Labd.SandboxPolicy.Config;
using Labd.Store;
using Labd.Tracker;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace Labd;

internal static class Program
{
    internal const int ExitUsage = 64;
    internal const int ExitConfig = 78;

    public static async Task<int> Main(string[] args)
    {
        // The per-run supervisor is a mode of this executable; dispatch before any host is
        // built so its start-up stays short (see docs/security.md).
        if (args.Length > 0 && args[0] == "supervise")
        {
            return Runs.Supervisor.Execute(args[1..]);
        }
        if (args.Length > 0 && args[0] == "mount-state")
        {
            return StateMountCommand.Execute(args[1..]);
        }
        if (LabdArguments.InformationRequested(args, new DaemonInfo().Version) is { } information)
        {
            await Console.Out.WriteLineAsync(information).ConfigureAwait(false);
            return 0;
        }
        // First: nothing this process inherited (systemd's listen fds, a caller's pipes) may leak into children.
        var inherited = Fds.MarkInheritedCloseOnExec();
        LabdArguments arguments;
        LabdSettings settings;
        try
        {
            arguments = LabdArguments.Parse(args);
            settings = new LabdSettings(arguments);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("labd: " + e.Message).ConfigureAwait(false);
            return ExitUsage;
        }
        catch (ConfigException e)
        {
            await Console.Error.WriteLineAsync("labd: " + e.Message).ConfigureAwait(false);
            return ExitConfig;
        }
        if (PolicyStartup.Load(settings.Current.PolicyDir, Console.Error) is not { } policies)
        {
            return ExitConfig;
        }
        using var notifier = SdNotifier.FromEnvironment();
        var activatedFd = ApiSocket.FromSocketActivation();
        Log.Logger = CreateLogger(arguments);
        try
        {
            using var loggerFactory = new SerilogLoggerFactory(Log.Logger);
            var startup = loggerFactory.CreateLogger("Labd.Startup");
            LabdLog.InheritedFds(startup, string.Join(',', inherited));
            PolicyStartup.LogLoaded(policies, settings.Current.PolicyDir, loggerFactory.CreateLogger("Labd.Policy"));
            await RunAsync(arguments, settings, policies, notifier, activatedFd, loggerFactory).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e)
        {
            Log.Fatal(e, "labd failed to start: {Reason}", e.Message);
            notifier.Notify($"STATUS=Failed: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
        finally
        {
            await Log.CloseAndFlushAsync().ConfigureAwait(false);
        }
    }

    private static async Task RunAsync(LabdArguments arguments, LabdSettings settings, PolicyRegistry policies, SdNotifier notifier, int? activatedFd, SerilogLoggerFactory loggerFactory)
    {
        StateMountCommand.AtStartup(settings.StateDir, loggerFactory.CreateLogger("Labd.Startup"));
        var store = await StateStore.OpenAsync(settings.StateDir, loggerFactory.CreateLogger("Labd.Store"), CancellationToken.None).ConfigureAwait(false);
        var accounts = new UnixAccounts();
        int listenFd;
        System.Net.Sockets.Socket? boundSocket = null;
        if (activatedFd is { } fd)
        {
            LabdLog.SocketActivated(loggerFactory.CreateLogger("Labd.Startup"));
            listenFd = fd;
        }
        else
        {
            (boundSocket, listenFd) = ApiSocket.Bind(settings.Socket, settings.Current.Groups.Users, accounts);
        }
        // Disposed after the host stops, which removes the socket path we created.
        using var ownedSocket = boundSocket;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Host.UseSerilog();
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ListenHandle((ulong)listenFd);
            // Every sandbox's own /run/lab/api.sock, through SandboxSockets' transport.
            kestrel.Listen(new SandboxEndPoint());
        });
        builder.Services
            .AddSingleton(arguments)
            .AddSingleton(settings)
            .AddSingleton(notifier)
            .AddSingleton(store)
            .AddSingleton<Labd.Events.EventReader>()
            .AddSingleton(accounts)
            .AddSingleton<DaemonInfo>()
            .AddSingleton<CallerResolver>()
            .AddSingleton<SandboxSockets>()
            .AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory>(services => services.GetRequiredService<SandboxSockets>())
            .AddSingleton<SandboxReadinessProbe>()
            .AddSingleton(policies)
            .AddSingleton<PolicyReloader>()
            .AddSingleton<IReloadable>(services => services.GetRequiredService<PolicyReloader>())
            .AddRuns(settings)
            .AddTracker(settings)
            .AddExperiments()
            .AddAgents()
            .AddHostedService<SystemdLifecycle>();

        var app = builder.Build();
        app.UseMiddleware<ProblemMiddleware>();
        app.UseMiddleware<CallerMiddleware>();
        app.MapLabdApi();
        await app.RunAsync().ConfigureAwait(false);
    }

    private static Serilog.Core.Logger CreateLogger(LabdArguments arguments)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .Enrich.FromLogContext();
        return !arguments.Foreground && JournaldSink.ShouldUse()
            ? configuration.WriteTo.Sink(new JournaldSink()).CreateLogger()
            : configuration.WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: System.Globalization.CultureInfo.InvariantCulture).CreateLogger();
    }
}
