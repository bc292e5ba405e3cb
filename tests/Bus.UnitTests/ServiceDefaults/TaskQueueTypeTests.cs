using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.ServiceDefaults;

/// <summary><c>Queues:&lt;name&gt;:Type</c>: one setting, read alike by a worker's queue options and by the Gateway's declaration.</summary>
public sealed class TaskQueueTypeTests
{
    [Fact]
    public void A_classic_task_queue_has_priorities_and_a_quorum_one_only_its_type()
    {
        Assert.Equal(new Dictionary<string, object> { ["x-max-priority"] = 10 }, TaskQueueTopology.QueueArguments(TaskQueueType.Classic));
        Assert.Equal(new Dictionary<string, object> { ["x-queue-type"] = "quorum" }, TaskQueueTopology.QueueArguments(TaskQueueType.Quorum));
    }

    [Fact]
    public void The_declaring_host_and_the_worker_read_the_same_setting_and_default_to_classic()
    {
        var settings = new Dictionary<string, string?> { [$"Queues:{QueueNames.Email}:Type"] = "quorum" };

        var declaring = Build(settings, builder => builder.DeclareTaskQueues(TaskRoutes.All));
        var worker = Build(settings, builder => builder.AddQueueOptions(QueueNames.Email, concurrencyLimit: 1, TimeSpan.FromSeconds(1)));

        Assert.Equal(TaskQueueType.Quorum, declaring.Get(QueueNames.Email).Type);
        Assert.Equal(TaskQueueType.Quorum, worker.Get(QueueNames.Email).Type);
        Assert.Equal(TaskQueueType.Classic, declaring.Get(QueueNames.Media).Type);
    }

    [Fact]
    public void Declaring_the_task_queues_in_a_host_that_also_consumes_one_keeps_its_retry_intervals_as_configured()
    {
        var options = Build(new Dictionary<string, string?>
        {
            [$"Queues:{QueueNames.Email}:Type"] = "Quorum",
            [$"Queues:{QueueNames.Email}:RetryIntervals:0"] = "00:00:02",
        }, builder => builder.AddQueueOptions(QueueNames.Email, concurrencyLimit: 1, TimeSpan.FromSeconds(1)).DeclareTaskQueues(TaskRoutes.All));

        Assert.Equal([TimeSpan.FromSeconds(2)], options.Get(QueueNames.Email).RetryIntervals);
        Assert.Equal(TaskQueueType.Quorum, options.Get(QueueNames.Email).Type);
    }

    [Theory]
    [InlineData("Quorom")]
    [InlineData("7")]
    public void An_unknown_type_fails_naming_the_setting(string type)
    {
        var settings = new Dictionary<string, string?> { [$"Queues:{QueueNames.Email}:Type"] = type };

        var worker = Build(settings, builder => builder.AddQueueOptions(QueueNames.Email, concurrencyLimit: 1, TimeSpan.FromSeconds(1)));
        var declaring = Build(settings, builder => builder.DeclareTaskQueues(TaskRoutes.All));

        Assert.Contains(":Type", Assert.ThrowsAny<Exception>(() => worker.Get(QueueNames.Email)).Message);
        Assert.Contains(":Type", Assert.ThrowsAny<Exception>(() => declaring.Get(QueueNames.Email)).Message);
    }

    private static IOptionsMonitor<QueueOptions> Build(Dictionary<string, string?> settings, Action<IHostApplicationBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        configure(builder);
        return builder.Build().Services.GetRequiredService<IOptionsMonitor<QueueOptions>>();
    }
}
