export interface ComponentLabels {
  /** Component id per node. */
  component: Int32Array;
  /** Node count per component id. */
  sizes: Int32Array;
  count: number;
  /** Id of the component with the most nodes (-1 for an empty graph). */
  largest: number;
}

/**
 * Strongly connected components of a CSR digraph (iterative Tarjan on typed arrays, so a
 * 250,000-node city neither recurses nor allocates per node). One-way streets make plain
 * connectivity wrong: a car can drive into a one-way pocket it cannot leave.
 */
export function stronglyConnectedComponents(
  nodeCount: number,
  offsets: Int32Array,
  targets: Int32Array,
): ComponentLabels {
  const index = new Int32Array(nodeCount).fill(-1);
  const low = new Int32Array(nodeCount);
  const onStack = new Uint8Array(nodeCount);
  const stack = new Int32Array(nodeCount);
  const callNode = new Int32Array(nodeCount);
  const callEdge = new Int32Array(nodeCount);
  const component = new Int32Array(nodeCount).fill(-1);
  const sizeList: number[] = [];
  let sp = 0;
  let next = 0;
  let count = 0;

  for (let root = 0; root < nodeCount; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = offsets[root]!;
    index[root] = low[root] = next++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth];
      const e = callEdge[depth];
      if (e < offsets[v + 1]) {
        callEdge[depth] = e + 1;
        const w = targets[e];
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack[sp++] = w;
          onStack[w] = 1;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = offsets[w]!;
        } else if (onStack[w] && index[w] < low[v]) {
          low[v] = index[w]!;
        }
        continue;
      }
      if (low[v] === index[v]) {
        let size = 0;
        let w: number;
        do {
          w = stack[--sp]!;
          onStack[w] = 0;
          component[w] = count;
          size++;
        } while (w !== v);
        sizeList.push(size);
        count++;
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth];
        if (low[v] < low[parent]) low[parent] = low[v]!;
      }
    }
  }
  const sizes = Int32Array.from(sizeList);
  let largest = -1;
  for (let c = 0; c < count; c++) if (largest < 0 || sizes[c] > sizes[largest]) largest = c;
  return { component, sizes, count, largest };
}
