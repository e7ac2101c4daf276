namespace CrossMargin.Disruptor;
