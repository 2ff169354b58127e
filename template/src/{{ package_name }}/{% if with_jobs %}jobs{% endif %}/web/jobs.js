// Watching a background job for the page's tabs: Page.watchJob polls it until it ends.
"use strict";

(() => {
  const FINAL = new Set(["succeeded", "failed", "cancelled"]);
  const INTERVAL_MS = 300;
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Calls onChange(job) at each new status; resolves with the job at its final status.
  Page.watchJob = async (jobId, onChange) => {
    let last = null;
    for (;;) {
      const job = await Page.api(`/v1/jobs/${encodeURIComponent(jobId)}`);
      if (job.status !== last) {
        last = job.status;
        onChange(job);
      }
      if (FINAL.has(job.status)) return job;
      await pause(INTERVAL_MS);
    }
  };

  // Shows, in the tab's error element, why a job ended without a result.
  Page.showJobFailure = (element, job) => {
    element.textContent = `The job ${job.status}: ${job.error || "no reason given"}`;
    element.hidden = false;
  };

  // A line that tells a job's status as it changes.
  Page.jobStatusText = (job) => {
    const attempts = job.attempts > 1 ? ` (attempt ${job.attempts})` : "";
    return `Job ${job.status}${attempts}`;
  };
})();
