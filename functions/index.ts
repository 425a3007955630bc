/**
 * The example functions: every task this worker serves. `celeriac dev`, the Workers entry
 * (`worker.ts`) and the tests all load this list.
 */
export { add } from "./tasks/math.ts";
export { sendEmail } from "./tasks/email.ts";
export { checkAvailability } from "./tasks/availability.ts";
export { chargeCard } from "./tasks/billing.ts";
export { prepareReport } from "./tasks/reports.ts";
export { fetchPage, parsePage, storePageInfo, updatePageInfo } from "./tasks/crawl.ts";
export { regionSales, salesReport, summarizeSales } from "./tasks/sales-report.ts";
export { reportEvery10Minutes } from "./schedules.ts";
