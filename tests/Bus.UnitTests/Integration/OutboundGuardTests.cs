extern alias integration;
using System.Net;
using integration::Bus.IntegrationService;
using integration::Bus.IntegrationService.Outbound;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Integration;

public sealed class OutboundGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.0.9", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("fc00::1", "private")]
    [InlineData("fd12:3456::1", "private")]
    [InlineData("::ffff:10.1.2.3", "private")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local")]
    [InlineData("100.100.100.200", "shared (carrier-grade NAT)")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("255.255.255.255", "reserved")]
    public void Internal_addresses_are_classified(string address, string kind) =>
        Assert.Equal(kind, OutboundAddresses.InternalKind(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("172.15.255.255")]
    [InlineData("2606:4700:4700::1111")]
    public void Public_addresses_are_not_internal(string address) =>
        Assert.Null(OutboundAddresses.InternalKind(IPAddress.Parse(address)));

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("[::1]", "loopback")]
    [InlineData("localhost", "loopback")]
    public async Task Internal_hosts_are_refused_with_what_they_resolve_to(string host, string kind)
    {
        var refused = await Assert.ThrowsAsync<OutboundRefusedException>(() => Guard().AllowedAddressesAsync(host, CancellationToken.None));

        Assert.Contains(kind, refused.Message);
        Assert.Contains("AllowedHosts", refused.Message);
    }

    [Fact]
    public async Task A_public_address_is_allowed() =>
        Assert.Equal([IPAddress.Parse("93.184.216.34")], await Guard().AllowedAddressesAsync("93.184.216.34", CancellationToken.None));

    [Fact]
    public async Task An_allow_listed_name_may_resolve_to_internal_addresses()
    {
        var addresses = await Guard("LOCALHOST").AllowedAddressesAsync("localhost", CancellationToken.None);

        Assert.Contains(addresses, IPAddress.IsLoopback);
    }

    [Fact]
    public async Task An_allow_listed_network_admits_its_addresses_and_nothing_else()
    {
        var guard = Guard("10.1.0.0/16", "127.0.0.2");

        Assert.Single(await guard.AllowedAddressesAsync("10.1.2.3", CancellationToken.None));
        Assert.Single(await guard.AllowedAddressesAsync("127.0.0.2", CancellationToken.None));
        await Assert.ThrowsAsync<OutboundRefusedException>(() => guard.AllowedAddressesAsync("10.2.0.1", CancellationToken.None));
        await Assert.ThrowsAsync<OutboundRefusedException>(() => guard.AllowedAddressesAsync("127.0.0.1", CancellationToken.None));
    }

    [Fact]
    public async Task An_allow_listed_address_does_not_admit_a_name_that_resolves_to_it()
    {
        // localhost resolves to 127.0.0.1 and ::1: only the allow-listed address is connected to.
        var addresses = await Guard("127.0.0.1").AllowedAddressesAsync("localhost", CancellationToken.None);

        Assert.Equal([IPAddress.Loopback], addresses);
    }

    [Theory]
    [InlineData("ftp://example.com/file")]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://127.0.0.1:6379/_INFO")]
    public void Only_http_and_https_are_called(string url) =>
        Assert.Throws<OutboundRefusedException>(() => OutboundGuard.CheckScheme(new Uri(url)));

    [Fact]
    public async Task The_connect_callback_never_opens_a_connection_to_a_refused_address()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var handler = new SocketsHttpHandler { ConnectCallback = Guard().ConnectAsync };
        using var client = new HttpClient(handler);

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{port}/"));

        Assert.NotNull(PartnerPolicies.Refusal(failure));
        Assert.False(listener.Pending());
    }

    private static OutboundGuard Guard(params string[] allowed) =>
        new(new StaticOptionsMonitor<OutboundOptions>(new OutboundOptions { AllowedHosts = allowed }));
}

internal sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;
    public T Get(string? name) => value;
    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
