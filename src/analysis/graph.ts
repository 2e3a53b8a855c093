// Strongly connected components (Tarjan, iterative, so deep rule chains cannot overflow the stack)
// and their topological order: a component comes after every component it reads; ties by declaration order.

/** Components of the graph `nodes` / `successors` (indices into `nodes`), each listed in node order. */
export function stronglyConnected(nodeCount: number, successors: (node: number) => readonly number[]): number[][] {
  const index = new Array<number>(nodeCount).fill(-1);
  const low = new Array<number>(nodeCount).fill(0);
  const onStack = new Array<boolean>(nodeCount).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let next = 0;
  // Each frame is a node and how many of its successors have been visited.
  const frames: { node: number; edge: number; succ: readonly number[] }[] = [];
  for (let root = 0; root < nodeCount; root++) {
    if (index[root] !== -1) continue;
    const open = (v: number): void => {
      index[v] = low[v] = next++;
      stack.push(v);
      onStack[v] = true;
      frames.push({ node: v, edge: 0, succ: successors(v) });
    };
    open(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const v = frame.node;
      if (frame.edge < frame.succ.length) {
        const w = frame.succ[frame.edge++]!;
        if (index[w] === -1) open(w);
        else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low[parent.node] = Math.min(low[parent.node]!, low[v]!);
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          component.push(w);
        } while (w !== v);
        components.push(component.sort((a, b) => a - b));
      }
    }
  }
  return components;
}

/**
 * Orders components so that each comes after every component its nodes have edges to
 * (dependencies first). Among ready components, the one holding the earliest node goes first.
 */
export function orderComponents(components: readonly (readonly number[])[], successors: (node: number) => readonly number[]): number[][] {
  const nodeCount = components.reduce((n, c) => n + c.length, 0);
  const componentOf = new Array<number>(nodeCount).fill(-1);
  components.forEach((c, i) => c.forEach((v) => (componentOf[v] = i)));
  // pending[i]: how many distinct components that i reads are not yet placed.
  const pending = components.map(() => 0);
  const readers: Set<number>[] = components.map(() => new Set());
  components.forEach((c, i) => {
    const reads = new Set<number>();
    for (const v of c) for (const w of successors(v)) if (componentOf[w] !== i) reads.add(componentOf[w]!);
    pending[i] = reads.size;
    for (const r of reads) readers[r]!.add(i);
  });
  const keys = components.map((c) => c.reduce((m, v) => Math.min(m, v), Infinity));
  const key = (i: number): number => keys[i]!;
  const ready = components.map((_, i) => i).filter((i) => pending[i] === 0);
  const order: number[][] = [];
  while (ready.length > 0) {
    let best = 0;
    for (let k = 1; k < ready.length; k++) if (key(ready[k]!) < key(ready[best]!)) best = k;
    const i = ready.splice(best, 1)[0]!;
    order.push([...components[i]!]);
    for (const r of readers[i]!) if (--pending[r]! === 0) ready.push(r);
  }
  if (order.length !== components.length) throw new Error("orderComponents: the component graph has a cycle");
  return order;
}

/** The shortest path from `from` to `to` (inclusive) using only nodes in `allowed`, or null. */
export function shortestPath(from: number, to: number, successors: (node: number) => readonly number[], allowed: (node: number) => boolean): number[] | null {
  const parent = new Map<number, number>([[from, -1]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    if (v === to) break;
    for (const w of successors(v)) {
      if (parent.has(w) || !allowed(w)) continue;
      parent.set(w, v);
      queue.push(w);
    }
  }
  if (!parent.has(to)) return null;
  const path: number[] = [];
  for (let v = to; v !== -1; v = parent.get(v)!) path.push(v);
  return path.reverse();
}

/** The relation and every relation it reads, transitively (`reads` of the analysis). */
export function readsTransitively(relations: ReadonlyMap<string, { readonly reads: readonly string[] }>, relation: string): Set<string> {
  const seen = new Set<string>([relation]);
  const stack = [relation];
  while (stack.length > 0) {
    const r = stack.pop()!;
    for (const d of relations.get(r)?.reads ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return seen;
}
