// The engine's storage, from src/eval/storage/: relations (rows and their set), chain and pair
// indexes, and the hashing other layers share.
export { ChainIndex } from "./storage/chain-index.js";
export { storageEvents } from "./storage/events.js";
export type { StorageEvent } from "./storage/events.js";
export { finish, mix, onLargeArray } from "./storage/hash.js";
export { PairIndex } from "./storage/pair-index.js";
export { Relation } from "./storage/relation.js";
export type { KeyIndex, Rows } from "./storage/types.js";
