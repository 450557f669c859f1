/**
 * A call-taker's client in its own process (the peak bench forks it): files 110 calls at a
 * steady rate and prints one JSON line per call with the client's send time (Date.now()) and
 * how long the create took. Input: CALL_BASE, CALL_TOKEN, CALL_RATE (per second),
 * CALL_SECONDS, CALL_POINTS (JSON [[lon, lat], ...] street points to file them at).
 */
const base = process.env.CALL_BASE as string;
const token = process.env.CALL_TOKEN as string;
const rate = Number(process.env.CALL_RATE ?? 3.5);
const seconds = Number(process.env.CALL_SECONDS ?? 300);
const points = JSON.parse(process.env.CALL_POINTS ?? '[]') as [number, number][];
const CATEGORIES = ['criminal', 'public_order', 'traffic', 'dispute', 'assistance', 'other'];

async function call(k: number): Promise<void> {
  const [lon, lat] = points[k % points.length];
  const sentAt = Date.now();
  const t0 = performance.now();
  try {
    const res = await fetch(`${base}/api/v1/incidents`, {
      signal: AbortSignal.timeout(60_000),
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        location: { lon, lat },
        category: CATEGORIES[k % CATEGORIES.length],
        priority: 1 + (k % 3),
        callerNumber: `139${String(10_000_000 + k).slice(-8)}`,
        description: `压测警情 ${k}`,
      }),
    });
    const body = (await res.json()) as {
      incident?: { id: string };
      error?: { code?: string; message?: string; requestId?: string };
    };
    // a refusal keeps the server's code, message and request id (its log line has the cause)
    const error = res.status === 201 ? undefined : JSON.stringify(body.error ?? body);
    process.stdout.write(
      `${JSON.stringify({ k, sentAt, status: res.status, createMs: performance.now() - t0, id: body.incident?.id ?? null, error })}\n`,
    );
  } catch (err) {
    process.stdout.write(
      `${JSON.stringify({ k, sentAt, status: 0, createMs: performance.now() - t0, error: String(err) })}\n`,
    );
  }
}

async function main() {
  const total = Math.round(rate * seconds);
  const start = Date.now();
  const pending: Promise<void>[] = [];
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(call(k));
  }
  await Promise.all(pending);
}

void main();
