using Bus.Cli;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, press) =>
{
    // Ctrl+C ends `bus monitor` (or a pending request) cleanly instead of killing the process mid-frame.
    press.Cancel = true;
    stop.Cancel();
};
return await BusCli.RunAsync(args, Console.Out, Console.Error, cancellationToken: stop.Token);
