using Microsoft.Extensions.Time.Testing;

namespace AlertHub.Testing;

/// <summary>Waits on conditions (bounded in real time), never on a fixed sleep; moves fake clocks in steps.</summary>
public static class Eventually
{
    /// <summary>Polls until the probe's value satisfies the condition; fails naming <paramref name="what"/> and the last value.</summary>
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

    /// <summary>Polls until the condition holds; fails naming <paramref name="what"/> after the timeout.</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        HoldsAsync(condition, held => held, timeout ?? TimeSpan.FromSeconds(15), what);

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);

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

    /// <summary>Moves fake time forward in steps up to <paramref name="instant"/> (a wall-clock moment, DST-safe).</summary>
    public static Task AdvanceToAsync(this FakeTimeProvider time, DateTimeOffset instant, TimeSpan? step = null)
    {
        var by = instant - time.GetUtcNow();
        return by > TimeSpan.Zero ? time.AdvanceAsync(by, step) : Task.CompletedTask;
    }
}
