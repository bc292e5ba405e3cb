// How another team's service puts a Bus task on the bus without HTTP: reference the Bus.Contracts package,
// connect MassTransit to the same RabbitMQ, and send the typed command to its queue's exchange (exchange:email),
// with a RabbitMQ priority (0-10). The Gateway tracks the task from the first event the EmailService reports,
// so GET /tasks/{taskId} shows it like an HTTP task.
using Bus.Contracts.Email;
using MassTransit;

var to = args.Length > 0 ? args[0] : "new.user@example.com";
var firstName = args.Length > 1 ? args[1] : "Ada";
var priority = args.Length > 2 ? byte.Parse(args[2]) : (byte)5;
if (priority > 10)
    throw new ArgumentOutOfRangeException(nameof(args), "the priority is 0-10");

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
    // Not queue:email: the task queue is declared with x-max-priority, and MassTransit would redeclare it without
    // (406 PRECONDITION_FAILED). The Gateway and the EmailService declare the queue and bind it to this exchange.
    var email = await bus.GetSendEndpoint(new Uri("exchange:email"));
    await email.Send(new SendEmail(
        taskId,
        To: [to],
        Template: EmailTemplates.Welcome,
        Variables: new Dictionary<string, string> { ["firstName"] = firstName }),
        context =>
        {
            context.SetPriority(priority);
            // Returned, and so an error here, rather than dropped if no queue is bound yet (neither service ever ran).
            if (context.TryGetPayload(out RabbitMqSendContext? rabbit))
                rabbit.Mandatory = true;
        });

    Console.WriteLine(taskId);
}
finally
{
    await bus.StopAsync();
}

static string Setting(string name, string fallback) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
