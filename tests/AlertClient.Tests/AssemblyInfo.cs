// The CLI writes through the process-wide AnsiConsole and the bench loads both cores: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
