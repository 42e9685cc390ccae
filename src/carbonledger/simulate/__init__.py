"""A synthetic city: partners, citizens and realistic behaviour streams, with the duplicates that
real partners produce (the same trip from the bike operator and a map app, steps from two
counters, repeated orders). Used by the demo, the simulator, the benchmarks and the tests."""
