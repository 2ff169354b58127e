// The analyze tab: upload a CSV, ask a question, watch the job, read the profile and insights.
"use strict";

(() => {
  const { api, el } = Page;
  const STATS = ["type", "count", "missing", "distinct", "min", "max", "mean"];

  const profileTable = (profile) => {
    const head = el("tr", {}, el("th", {}, "column"), ...STATS.map((name) => el("th", {}, name)), el("th", {}, "top values"));
    const rows = Object.entries(profile.columns || {}).map(([name, column]) => el("tr", {},
      el("td", {}, name),
      ...STATS.map((stat) => el("td", {}, column[stat] === undefined ? "" : String(column[stat]))),
      el("td", {}, (column.top_values || []).map((top) => `${top.value} (${top.count})`).join(", "))));
    return el("div", {},
      el("p", {}, `${profile.rows} rows`),
      el("table", { id: "analyze-profile-table" }, el("thead", {}, head), el("tbody", {}, ...rows)));
  };

  const build = (panel) => {
    let dataset = null;
    const file = el("input", { type: "file", id: "analyze-file", accept: ".csv,text/csv", "aria-label": "CSV file" });
    const upload = el("button", { type: "submit", id: "analyze-upload" }, "Upload");
    const uploadForm = el("form", { id: "analyze-upload-form" }, file, upload);
    const uploaded = el("p", { class: "muted", id: "analyze-uploaded" }, "Upload a CSV file with a header line.");
    const question = el("input", { type: "text", id: "analyze-question", placeholder: "What stands out?", maxlength: 2000 });
    const ask = el("button", { type: "submit", id: "analyze-ask", disabled: true }, "Ask");
    const askForm = el("form", { id: "analyze-ask-form" }, question, ask);
    const status = el("p", { class: "status", id: "analyze-status" });
    const profile = el("div", { id: "analyze-profile" });
    const insights = el("div", { class: "result", id: "analyze-insights", hidden: true });
    const error = el("p", { class: "error", id: "analyze-error", role: "alert", hidden: true });

    uploadForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      Page.clearError(error);
      const chosen = file.files[0];
      if (!chosen) {
        error.textContent = "Choose a CSV file first.";
        error.hidden = false;
        return;
      }
      upload.disabled = true;
      try {
        const name = encodeURIComponent(chosen.name.slice(0, 200));
        dataset = await api(`/v1/datasets?name=${name}`, { method: "POST", body: chosen, contentType: "text/csv" });
        const warnings = dataset.warnings.length ? ` Warnings: ${dataset.warnings.join("; ")}` : "";
        uploaded.textContent = `${dataset.name}: ${dataset.rows} rows, columns ${dataset.columns.join(", ")}.${warnings}`;
        ask.disabled = false;
      } catch (failure) {
        Page.showError(error, failure);
      } finally {
        upload.disabled = false;
      }
    });

    askForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      Page.clearError(error);
      const text = question.value.trim() || question.placeholder;
      if (!dataset) return;
      ask.disabled = true;
      insights.hidden = true;
      profile.replaceChildren();
      try {
        const accepted = await api("/v1/analyze", { method: "POST", json: { dataset_id: dataset.dataset_id, question: text } });
        status.textContent = "Job queued";
        const job = await Page.watchJob(accepted.job_id, (change) => {
          status.textContent = Page.jobStatusText(change);
        });
        if (job.status === "succeeded") {
          profile.replaceChildren(el("h2", {}, "Profile"), profileTable(job.result.profile));
          insights.replaceChildren(el("h2", {}, "Insights"), Page.render(job.result.insights));
          insights.hidden = false;
        } else {
          Page.showJobFailure(error, job);
        }
      } catch (failure) {
        Page.showError(error, failure);
      } finally {
        ask.disabled = false;
      }
    });

    panel.append(el("h2", {}, "Data"), uploadForm, uploaded, el("h2", {}, "Question"), askForm, error, status, profile, insights);
  };

  Page.register({ name: "analyze", title: "Analyze", build });
})();
