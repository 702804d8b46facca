// Build-time stand-in for cli-spinners in ora: the two spinners ora picks by itself (dots, and line where Unicode is
// unsupported), not all ninety (31 KB the package need not ship). wa-upload never names one.
import { dots, line } from '../../node_modules/cli-spinners/spinners.json';

export default { dots, line };
