// Styles of the replay and report panels, kept beside the views that use them.
import { h } from '../dom';

let stylesAdded = false;
export function ensureStyles() {
  if (stylesAdded) return;
  stylesAdded = true;
  document.head.append(
    h(
      'style',
      {},
      `.replay-panel{position:fixed;right:340px;bottom:16px;width:520px;max-height:70vh;overflow:auto;z-index:20;background:#0f1a2b;border:1px solid #24344d;border-radius:8px;padding:10px 14px;color:#e2e8f0;box-shadow:0 8px 30px #0008}
.replay-panel header{display:flex;justify-content:space-between;align-items:center}
.replay-panel h2{font-size:15px;margin:0}
.replay-stages{display:flex;gap:6px;list-style:none;padding:0;margin:8px 0;flex-wrap:wrap}
.replay-stages li{display:flex;flex-direction:column;align-items:center;padding:4px 6px;border-radius:6px;background:#17243a;min-width:58px;font-size:12px}
.replay-stages li.reached{background:#1e3a5f;outline:1px solid #38bdf8}
.replay-stages li.missing{opacity:.45}
.replay-player{display:flex;gap:8px;align-items:center;margin:8px 0}
.replay-player input[type=range]{flex:1}
.replay-eta{width:100%;font-size:12px}.replay-eta .num{text-align:right}
.area-form{display:flex;flex-wrap:wrap;gap:6px;font-size:12px}
.replay-launcher{margin-top:12px}.replay-actions{display:flex;gap:6px}
.replay-recent{list-style:none;padding:0;margin:4px 0;font-size:12px}
.replay-recent li{display:flex;justify-content:space-between;align-items:center;padding:2px 0}
.reports-page{position:fixed;inset:48px 0 0 0;z-index:30;background:#0a111d;color:#e2e8f0;overflow:auto;padding:14px 20px}
.reports-page header{display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.reports-page .charts{display:grid;grid-template-columns:1fr 1fr;gap:14px;margin:12px 0}
.reports-page .chart{background:#0f1a2b;border:1px solid #24344d;border-radius:8px;padding:8px}
.reports-page table{width:100%;font-size:12px;border-collapse:collapse}.reports-page td,.reports-page th{padding:3px 6px;border-bottom:1px solid #1e293b}
.reports-page .num{text-align:right}.reports-page .tables{display:grid;grid-template-columns:2fr 1fr;gap:14px}
.uplot .u-legend{color:#cbd5e1;font-size:11px}`,
    ),
  );
}
