using Bus.Contracts.Export;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.ExportService;

/// <summary>The three task types share queue <c>export</c> (one endpoint); each consumer gets the task pipeline.</summary>
public sealed class ExportDataConsumerDefinition : ConsumerDefinition<ExportDataConsumer>
{
    private readonly IOptionsMonitor<QueueOptions> _queues;

    public ExportDataConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _queues = queues;
        Endpoint(e => e.Name = QueueNames.Export);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ExportDataConsumer> consumer, IRegistrationContext context) =>
        endpoint.ConfigureTaskConsumer<ExportDataConsumer, ExportData>(consumer, _queues.Get(QueueNames.Export), context);
}

public sealed class GenerateReportConsumerDefinition : ConsumerDefinition<GenerateReportConsumer>
{
    private readonly IOptionsMonitor<QueueOptions> _queues;

    public GenerateReportConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _queues = queues;
        Endpoint(e => e.Name = QueueNames.Export);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<GenerateReportConsumer> consumer, IRegistrationContext context) =>
        endpoint.ConfigureTaskConsumer<GenerateReportConsumer, GenerateReport>(consumer, _queues.Get(QueueNames.Export), context);
}

public sealed class ProcessFileConsumerDefinition : ConsumerDefinition<ProcessFileConsumer>
{
    private readonly IOptionsMonitor<QueueOptions> _queues;

    public ProcessFileConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _queues = queues;
        Endpoint(e => e.Name = QueueNames.Export);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ProcessFileConsumer> consumer, IRegistrationContext context) =>
        endpoint.ConfigureTaskConsumer<ProcessFileConsumer, ProcessFile>(consumer, _queues.Get(QueueNames.Export), context);
}
