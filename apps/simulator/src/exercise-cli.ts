// 演练 from the command line: starts, reads or stops an exercise through the public routes
// (POST /api/v1/exercises, GET /api/v1/exercises/:id, POST …/:id/stop). The runner itself lives
// in the api (libs/core/src/exercises), so an exercise keeps filing when this command has exited.
//
//   npm run exercise -- start apps/simulator/scenarios/example.json
//   npm run exercise -- status <id>
//   npm run exercise -- stop <id>
//
// RINGCAD_API_URL (default http://127.0.0.1:3000), EXERCISE_USER and EXERCISE_PASSWORD (a
// commander's account).
import { readFileSync } from 'node:fs';
import { startExerciseSchema, type ExerciseView } from '@ringcad/contracts';
import { ApiClient } from './api-client';

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  const user = process.env.EXERCISE_USER;
  const password = process.env.EXERCISE_PASSWORD;
  if (!command || !arg || !user || !password) {
    process.stderr.write(
      'usage: exercise start <scenario.json> | status <id> | stop <id> (EXERCISE_USER, EXERCISE_PASSWORD set)\n',
    );
    return 2;
  }
  const api = await ApiClient.login(
    process.env.RINGCAD_API_URL ?? 'http://127.0.0.1:3000',
    user,
    password,
  );
  let view: ExerciseView;
  if (command === 'start') {
    // checked here too, so a bad file says where before anything is sent
    const parsed = startExerciseSchema.safeParse(JSON.parse(readFileSync(arg, 'utf8')));
    if (!parsed.success) {
      for (const i of parsed.error.issues)
        process.stderr.write(`${i.path.join('.')}: ${i.message}\n`);
      return 2;
    }
    view = await api.expect<ExerciseView>(201, 'POST', '/api/v1/exercises', parsed.data);
  } else if (command === 'status') {
    view = await api.get<ExerciseView>(`/api/v1/exercises/${arg}`);
  } else if (command === 'stop') {
    view = await api.expect<ExerciseView>(200, 'POST', `/api/v1/exercises/${arg}/stop`, {});
  } else {
    process.stderr.write(`unknown command ${command}\n`);
    return 2;
  }
  process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
