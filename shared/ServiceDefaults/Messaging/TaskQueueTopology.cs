using Bus.ServiceDefaults.Options;
using MassTransit;
using RabbitMQ.Client;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// How a task queue exists on RabbitMQ, defined once for both sides that declare it: the workers' receive endpoints
/// (<see cref="TaskEndpointConfiguration.ConfigureTaskConsumer{TConsumer,TCommand}"/>) and the Gateway, which declares
/// every task queue before it sends (<see cref="TaskQueueDeclaration"/>). Two declarations that differ in any argument
/// fail with 406 PRECONDITION_FAILED, so neither side spells the arguments out itself, and both take the queue's
/// <see cref="TaskQueueType"/> from the same setting, <c>Queues:&lt;name&gt;:Type</c> (<see cref="QueueOptions.Type"/>).
/// </summary>
/// <remarks>
/// A task queue is durable and bound to a fanout exchange of the same name; by default a classic queue with priorities
/// 0–<see cref="MaxPriority"/>, or a quorum queue, which has no priorities before RabbitMQ 4.0.
/// </remarks>
public static class TaskQueueTopology
{
    /// <summary>The highest task priority; RabbitMQ keeps one sub-queue per level, so it stays small.</summary>
    public const byte MaxPriority = 10;

    private const string MaxPriorityArgument = "x-max-priority";
    private const string QueueTypeArgument = "x-queue-type";

    private static readonly IReadOnlyDictionary<string, object> ClassicArguments = new Dictionary<string, object>
    {
        [MaxPriorityArgument] = (int)MaxPriority,
    };

    private static readonly IReadOnlyDictionary<string, object> QuorumArguments = new Dictionary<string, object>
    {
        [QueueTypeArgument] = "quorum",
    };

    /// <summary>The queue arguments of a task queue of <paramref name="type"/>, exactly as both sides declare them (RabbitMQ compares the value's type class too).</summary>
    public static IReadOnlyDictionary<string, object> QueueArguments(TaskQueueType type) => type switch
    {
        TaskQueueType.Classic => ClassicArguments,
        TaskQueueType.Quorum => QuorumArguments,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a task queue type"),
    };

    /// <summary>
    /// Where senders address a task queue: its exchange. MassTransit declares the queue of a <c>queue:</c> address, and
    /// its address has no way to carry the queue's arguments, so <c>queue:email</c> would redeclare it without them and
    /// fail with 406. An exchange address only declares the exchange, which the Gateway has bound already.
    /// </summary>
    public static Uri SendAddress(string queue) => new($"exchange:{queue}");

    /// <summary>The worker's side: the receive endpoint declares its queue with <see cref="QueueArguments"/>.</summary>
    public static void Apply(IRabbitMqReceiveEndpointConfigurator endpoint, TaskQueueType type)
    {
        endpoint.Durable = true;
        endpoint.AutoDelete = false;
        endpoint.ExchangeType = ExchangeType.Fanout;
        foreach (var (key, value) in QueueArguments(type))
            endpoint.SetQueueArgument(key, value);
    }

    /// <summary>
    /// The error (<c>&lt;queue&gt;_error</c>) and skipped queues MassTransit derives from a receive endpoint inherit its
    /// arguments; they stay plain classic queues whatever the task queue's type, so an existing <c>email_error</c> full
    /// of failed messages keeps working after a change of type.
    /// </summary>
    public static void KeepCompanionQueuesPlain(IRabbitMqQueueBindingConfigurator companion)
    {
        foreach (var key in ClassicArguments.Keys.Concat(QuorumArguments.Keys))
            companion.SetQueueArgument(key, null);
    }

    /// <summary>The sender's side: the same exchange, queue and binding a worker's receive endpoint declares.</summary>
    public static async Task DeclareAsync(IChannel channel, string queue, TaskQueueType type, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: QueueArguments(type).ToDictionary(a => a.Key, a => (object?)a.Value), cancellationToken: cancellationToken);
        await channel.QueueBindAsync(queue, queue, routingKey: "", cancellationToken: cancellationToken);
    }
}
