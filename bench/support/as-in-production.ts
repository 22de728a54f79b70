/**
 * Benchmarks measure what `npm start` runs: compiled JavaScript without source maps. The tsx loader that runs
 * them turns source maps on, which makes every `new Error().stack` several times dearer, and Sequelize takes
 * one per query: on SQLite that alone cut FHIR reads from 433 to 274 req/s. Import this first in every
 * benchmark so the dev loader does not colour the figures (the bare baselines never build a stack).
 */
process.setSourceMapsEnabled(false);
