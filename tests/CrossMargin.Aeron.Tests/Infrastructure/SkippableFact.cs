using Xunit.Abstractions;
using Xunit.Sdk;

namespace CrossMargin.Aeron.Tests.Infrastructure;

/// <summary>Thrown by a test that cannot run here; a <see cref="SkippableFactAttribute"/> test then reports "skipped".</summary>
public sealed class SkipException(string reason) : Exception(reason)
{
    public static void If(bool condition, string reason)
    {
        if (condition) throw new SkipException(reason);
    }
}

/// <summary>A fact that may skip itself at run time by throwing <see cref="SkipException"/> (xunit 2 has no Assert.Skip).</summary>
[XunitTestCaseDiscoverer("CrossMargin.Aeron.Tests.Infrastructure.SkippableFactDiscoverer", "CrossMargin.Aeron.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class SkippableFactAttribute : FactAttribute;

public sealed class SkippableFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new SkippableTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

public sealed class SkippableTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippableTestCase()
    {
    }

    public SkippableTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod method)
        : base(sink, display, options, method)
    {
    }

    public override async Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        var bus = new SkipTranslatingMessageBus(messageBus);
        RunSummary summary = await base.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource);
        if (bus.Skipped > 0)
        {
            summary.Failed -= bus.Skipped;
            summary.Skipped += bus.Skipped;
        }
        return summary;
    }

    private sealed class SkipTranslatingMessageBus(IMessageBus inner) : IMessageBus
    {
        public int Skipped { get; private set; }

        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestFailed failed && failed.ExceptionTypes.Length > 0 && failed.ExceptionTypes[0] == typeof(SkipException).FullName)
            {
                Skipped++;
                return inner.QueueMessage(new TestSkipped(failed.Test, failed.Messages[0]));
            }
            return inner.QueueMessage(message);
        }

        public void Dispose() => inner.Dispose();
    }
}
