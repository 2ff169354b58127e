"""Each feature's tests, in the folder of the same name as the feature's code."""
