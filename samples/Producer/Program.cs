// How another team's service puts a Bus task on the bus without HTTP: reference the Bus.Contracts package,
// connect MassTransit to the same RabbitMQ, and send the typed command to its queue. The Gateway tracks the
// task from the first event the EmailService reports, so GET /tasks/{taskId} shows it like an HTTP task.
using Bus.Contracts.Email;
using MassTransit;

var to = args.Length > 0 ? args[0] : "new.user@example.com";
var firstName = args.Length > 1 ? args[1] : "Ada";

var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(rabbit =>
    rabbit.Host(
        Setting("BUS_RABBITMQ_HOST", "127.0.0.1"),
        ushort.Parse(Setting("BUS_RABBITMQ_PORT", "5672")),
        Setting("BUS_RABBITMQ_VHOST", "/"),
        host =>
        {
            host.Username(Setting("BUS_RABBITMQ_USER", "bus"));
            host.Password(Setting("BUS_RABBITMQ_PASSWORD", "bus"));
        }));

await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
try
{
    var taskId = NewId.NextGuid();
    var email = await bus.GetSendEndpoint(new Uri("queue:email"));
    await email.Send(new SendEmail(
        taskId,
        To: [to],
        Template: EmailTemplates.Welcome,
        Variables: new Dictionary<string, string> { ["firstName"] = firstName }));

    Console.WriteLine(taskId);
}
finally
{
    await bus.StopAsync();
}

static string Setting(string name, string fallback) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
