import { readFileSync } from 'node:fs';
import { RENDER_USAGE, runRender, type Streams } from './render.js';

const USAGE = `Usage: net-higress <command> [options]

Commands:
  render     translate KIngresses to Istio objects offline (no cluster)
  run        run the controller
  doctor     check a cluster's Higress + Knative setup for net-higress
  uninstall  stop the controller, remove its finalizers and what it wrote (before helm uninstall)
  version    print the version, the git commit it was built from and the Node version (also --version)

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
    case 'uninstall': {
      const { runUninstallCommand } = await import('./uninstall.js');
      return runUninstallCommand(rest, io);
    }
    case 'version':
    case '--version':
    case '-v': {
      const { formatVersion, readVersionInfo } = await import('./version.js');
      io.stdout(formatVersion(readVersionInfo()));
      return 0;
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
