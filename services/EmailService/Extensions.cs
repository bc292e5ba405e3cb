using Bus.Contracts.Email;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using Bus.ServiceDefaults.QueueControl;
using Bus.ServiceDefaults.Secrets;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;

namespace Bus.EmailService;

public static class Extensions
{
    /// <summary>Queue <c>email</c>: the SendEmail consumer, its SMTP relay, templates and delivery ledger.</summary>
    public static IHostApplicationBuilder AddEmailService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SmtpOptions>(SmtpOptions.Section)
            .Validate(o => Enum.IsDefined(o.Security), "Smtp:Security must be None, StartTls, SslOnConnect or Auto")
            .Validate(o => string.IsNullOrEmpty(o.From) || EmailAddresses.TryParse(o.From, out _), "Smtp:From must be an e-mail address")
            .Validate(o => string.IsNullOrEmpty(o.Password) || !string.IsNullOrEmpty(o.Username), "Smtp:Username is required when Smtp:Password is set");

        // A short in-memory retry for blips, then the back-off through the Scheduler, which frees the slot meanwhile.
        builder.AddQueueOptions(QueueNames.Email, concurrencyLimit: 5,
            retryIntervals: [TimeSpan.FromMilliseconds(200)],
            redeliveryIntervals: [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(300)]);

        builder.Services.AddDbContext<EmailDbContext>((services, db) => db.UseNpgsql(
            services.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString,
            npgsql => npgsql.MigrationsHistoryTable(HistoryRepository.DefaultTableName, EmailDbContext.Schema)));

        // Built now, so a template that does not parse or a contract template without a body stops the start.
        builder.Services.AddSingleton(new EmailTemplateRenderer());
        builder.AddSensitiveValueProtection();
        builder.Services.AddSingleton<EmailComposer>();
        builder.Services.AddSingleton<SmtpEmailSender>();

        builder.AddBus(bus => bus.AddTaskConsumer<SendEmailConsumer, TaskConsumerDefinition<SendEmailConsumer, SendEmail>>(QueueNames.Email));
        return builder;
    }
}
