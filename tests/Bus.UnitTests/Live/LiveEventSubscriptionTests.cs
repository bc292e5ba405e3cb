using Bus.Gateway.Live;

namespace Bus.UnitTests.Live;

public sealed class LiveEventSubscriptionTests
{
    [Fact]
    public async Task A_subscriber_that_falls_a_full_buffer_behind_is_closed_as_overflowed_after_what_it_holds()
    {
        var removed = false;
        using var subscription = new LiveEventSubscription(_ => true, capacity: 2, _ => removed = true);

        Assert.True(subscription.Offer(Change(1)));
        Assert.True(subscription.Offer(Change(2)));
        Assert.False(subscription.Offer(Change(3)));

        Assert.True(subscription.Overflowed);
        Assert.True(removed);
        var held = new List<int>();
        await foreach (var change in subscription.Changes.ReadAllAsync())
            held.Add(change.Progress);
        Assert.Equal([1, 2], held);
    }

    [Fact]
    public void Changes_the_filter_refuses_never_take_buffer_space()
    {
        using var subscription = new LiveEventSubscription(change => change.Progress == 5, capacity: 1, _ => { });

        for (var i = 0; i < 10; i++)
            Assert.True(subscription.Offer(Change(i)));

        Assert.False(subscription.Overflowed);
        Assert.True(subscription.Changes.TryRead(out var only));
        Assert.Equal(5, only.Progress);
    }

    private static LiveTaskEvent Change(int progress) =>
        new(Guid.NewGuid(), "t", "q", "Running", progress, null, 1, null, null, DateTime.UtcNow, null, null, DateTime.UtcNow);
}
