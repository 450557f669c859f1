// The reads index.html starts before the console's scripts have arrived (the road network's
// summary and the districts, with the session's token). Each answer is taken once, by the first GET
// of its path with that same token; anything else goes to the network as usual.

interface EarlyReads {
  token: string;
  responses: Record<string, Promise<Response> | undefined>;
}

/** The early answer for a GET of `path` (under /api/v1) with `token`, once; else undefined. */
export function takeEarlyRead(path: string, token: string | null): Promise<Response> | undefined {
  const reads = (window as unknown as { __ringcadEarlyReads?: EarlyReads }).__ringcadEarlyReads;
  if (!reads || reads.token !== token) return undefined;
  const res = reads.responses[path];
  delete reads.responses[path];
  return res;
}
