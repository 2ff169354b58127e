// Following a background job for the page's tabs: Page.watchJob reads the job's event stream
// (GET /v1/jobs/{id}/events) until it ends; it does not poll.
"use strict";

(() => {
  const FINAL = new Set(["succeeded", "failed", "cancelled"]);

  // Calls onChange(job) at each new status; resolves with the job at its final status.
  // If the stream fails before then (refused, cut, or an error event), the job is read once
  // (GET /v1/jobs/{id}): a job that ended meanwhile resolves as usual; otherwise the stream's
  // error is thrown, for the tab to show, saying where the result will be, with the status
  // just read already shown.
  Page.watchJob = async (jobId, onChange) => {
    const path = `/v1/jobs/${encodeURIComponent(jobId)}`;
    let last = null;
    let final = null;
    const seen = (job) => {
      if (job.status !== last) {
        last = job.status;
        onChange(job);
      }
      if (FINAL.has(job.status)) final = job;
    };
    let failure;
    try {
      const response = await Page.api(`${path}/events`, { stream: true });
      await Page.readEvents(response, (name, data) => {
        if (name === "status") seen(data);
        else if (name === "error") throw Page.streamError(data);
      });
      if (final) return final;
      failure = new Page.ApiError(0, "stream_ended", "The job's event stream ended before the job did", null);
    } catch (error) {
      if (final) return final; // it ended as the stream did: nothing was lost
      failure = error instanceof Page.ApiError
        ? error
        : new Page.ApiError(0, "network", `The page lost the job's event stream (${error.message || error})`, null);
    }
    let job = null;
    try {
      job = await Page.api(path); // one look at the job itself, not a poll
      seen(job);
    } catch (_) {
      throw failure; // the stream's error says more than this one
    }
    if (final) return final;
    const { status, code, message, retryAfter, keySent } = failure;
    const where = `the job is ${job.status}, and ${path} will have its result`;
    throw new Page.ApiError(status, code, `${message.replace(/[.]$/, "")}; ${where}`, retryAfter, keySent);
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
