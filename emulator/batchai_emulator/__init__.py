"""batchai-emulator: a local Batch AI service that speaks the ARM protocol and really runs jobs."""
