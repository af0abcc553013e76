package enum BacktestPlaceholder {}
