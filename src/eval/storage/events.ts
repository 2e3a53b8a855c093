// Counts of the storage representations and join paths entered, process-wide: the differential
// tests check that they reach every one. Only cold events and one count per join call are counted,
// never a row.

export const storageEvents = {
  /** A one- or two-column relation moved its set of rows from bitsets to the hash table. */
  leftBits: 0,
  /** A relation made a hash table of rows (three or more columns: from the start). */
  hashTables: 0,
  /** Rows went into a two-column relation's per-first-column bitsets (second column >= 32). */
  wideBitsets: 0,
  /** A chain index moved its heads from a direct table to a hash table. */
  chainsLeftDirect: 0,
  /** A pair index moved its heads from a direct table to a hash table. */
  pairsLeftDirect: 0,
  /** A key of a pair index got a second block (its rows span more than one run). */
  pairBlocks: 0,
  /** Join calls that read a chain index (a row's key, then `next` links), and a pair index (per-key runs). */
  chainJoins: 0,
  pairJoins: 0,
};

/** The counters' names, for tests that check each was reached. */
export type StorageEvent = keyof typeof storageEvents;
