namespace CrossMargin.Aeron;
