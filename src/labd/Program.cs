namespace Labd;

internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "supervise")
        {
            return Runs.Supervisor.Execute(args[1..]);
        }
        return 0;
    }
}
