namespace CrossMargin.Messages;
