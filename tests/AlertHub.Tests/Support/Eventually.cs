using Microsoft.Extensions.Time.Testing;

namespace AlertHub.Tests.Support;

public static class Eventually
{
    /// <summary>Polls until the probe's value satisfies the condition (bounded by a real-time timeout).</summary>
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var value = await probe();
            if (condition(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met in time: {what ?? "(unnamed)"}; last value {value}");
            }
            await Task.Delay(25);
        }
    }

    /// <summary>Moves fake time forward in small steps, giving background services a moment at each step.</summary>
    public static async Task AdvanceAsync(this FakeTimeProvider time, TimeSpan by, TimeSpan? step = null)
    {
        var size = step ?? TimeSpan.FromSeconds(1);
        while (by > TimeSpan.Zero)
        {
            var next = by < size ? by : size;
            time.Advance(next);
            by -= next;
            await Task.Delay(10);
        }
        await Task.Delay(50);
    }
}
