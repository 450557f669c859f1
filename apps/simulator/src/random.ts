// The seeded random source lives in libs/domain (the exercise runner draws from it too).
export {
  createRng,
  deriveRng,
  exponential,
  normal,
  pick,
  pickWeighted,
  randomInt,
  uniform,
  type Rng,
} from '@ringcad/domain';
