import { readFileSync } from 'node:fs';
import { RENDER_USAGE, runRender, type Streams } from './render.js';

const USAGE = `Usage: net-higress <command> [options]

Commands:
  render   translate KIngresses to Istio objects offline (no cluster)
  run      run the controller
  doctor   check a cluster's Higress + Knative setup for net-higress

Run 'net-higress <command> --help' for the options of a command.
`;

const processStreams: Streams = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readStdin: () => readFileSync(0, 'utf8'),
};

export async function main(argv: string[], io: Streams = processStreams): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'render':
      return runRender(rest, io);
    case 'doctor': {
      const { runDoctorCommand } = await import('./doctor.js');
      return runDoctorCommand(rest, io);
    }
    case 'run': {
      const { runController } = await import('./run.js');
      return runController(rest, io);
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.stdout(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.stderr(`net-higress: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

export { RENDER_USAGE };
