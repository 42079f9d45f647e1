/** Replays cases in random order, as KooGallery may: the simulator's own shuffle, shared. */
export { shuffle } from '../../lib/sim/probe';
