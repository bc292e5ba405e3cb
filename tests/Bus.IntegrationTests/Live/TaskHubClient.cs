using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;

namespace Bus.IntegrationTests.Live;

/// <summary>A started connection to an in-process Gateway's <c>/hubs/tasks</c>, as a viewer, over long polling (the test server has no WebSockets).</summary>
public static class TaskHubClient
{
    public static async Task<HubConnection> ConnectAsync(TestServer server)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "/hubs/tasks"), options =>
            {
                options.HttpMessageHandlerFactory = _ => server.CreateHandler();
                options.AccessTokenProvider = () => Task.FromResult<string?>(TestTokens.For(GatewayRoles.Viewer));
                options.Transports = HttpTransportType.LongPolling;
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }
}
