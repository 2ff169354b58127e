// The generate tab: pick a template, fill in its variables, watch the job, read the result.
"use strict";

(() => {
  const { api, el } = Page;
  const ABOUT_THE_RUN = new Set(["model", "usage", "template", "version", "prompt_version"]);

  // The generated content: the text (or the object a template with a schema returns).
  const content = (result) => {
    if (result === null || typeof result !== "object") return result;
    if ("data" in result) return result.data; // a template with a schema: validated JSON
    if ("text" in result) return result.text;
    if ("items" in result) return result.items.map(content);
    return Object.fromEntries(Object.entries(result).filter(([name]) => !ABOUT_THE_RUN.has(name)));
  };

  const build = (panel) => {
    let templates = [];
    const choice = el("select", { id: "generate-template", "aria-label": "Template" });
    const about = el("p", { class: "muted", id: "generate-about" });
    const fields = el("div", { class: "fields", id: "generate-fields" });
    const submit = el("button", { type: "submit", id: "generate-submit" }, "Generate");
    const form = el("form", { id: "generate-form", novalidate: true }, choice, fields, submit);
    const status = el("p", { class: "status", id: "generate-status" });
    const result = el("div", { class: "result", id: "generate-result", hidden: true });
    const details = el("p", { class: "muted", id: "generate-details" });
    const error = el("p", { class: "error", id: "generate-error", role: "alert", hidden: true });

    const showFields = () => {
      const template = templates.find((item) => item.name === choice.value);
      about.textContent = template ? `${template.description} (version ${template.version})` : "";
      fields.replaceChildren(...(template ? template.variables : []).map((name) => {
        const optional = name in template.defaults;
        return el("div", { class: "field" },
          el("label", { for: `generate-var-${name}` }, optional ? `${name} (optional)` : name),
          el("input", {
            type: "text",
            id: `generate-var-${name}`,
            "data-variable": name,
            value: optional ? template.defaults[name] : undefined,
            required: !optional,
          }));
      }));
    };

    const loadTemplates = async () => {
      Page.clearError(error);
      try {
        templates = await api("/v1/generate/templates");
        const chosen = choice.value;
        choice.replaceChildren(...templates.map((item) => el("option", { value: item.name }, item.name)));
        if (templates.some((item) => item.name === chosen)) choice.value = chosen;
        showFields();
      } catch (failure) {
        Page.showError(error, failure);
      }
    };

    choice.addEventListener("change", showFields);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      Page.clearError(error);
      const template = templates.find((item) => item.name === choice.value);
      if (!template) return loadTemplates();
      const variables = {};
      const missing = [];
      for (const input of fields.querySelectorAll("input[data-variable]")) {
        const name = input.getAttribute("data-variable");
        if (input.value !== "") variables[name] = input.value;
        else if (!(name in template.defaults)) missing.push(name);
      }
      if (missing.length) {
        error.textContent = `Fill in: ${missing.join(", ")}.`;
        error.hidden = false;
        return;
      }
      submit.disabled = true;
      result.hidden = true;
      details.textContent = "";
      try {
        const accepted = await api("/v1/generate", { method: "POST", json: { template: template.name, variables } });
        status.textContent = "Job queued";
        const job = await Page.watchJob(accepted.job_id, (change) => {
          status.textContent = Page.jobStatusText(change);
        });
        if (job.status === "succeeded") {
          result.replaceChildren(Page.render(content(job.result)));
          result.hidden = false;
          const usage = job.result.usage || {};
          details.textContent = `${job.result.model}, ${usage.input_tokens ?? "?"} tokens in, ${usage.output_tokens ?? "?"} out`;
        } else {
          Page.showJobFailure(error, job);
        }
      } catch (failure) {
        Page.showError(error, failure);
      } finally {
        submit.disabled = false;
      }
    });

    panel.append(el("h2", {}, "Template"), about, form, error, status, result, details);
    Page.onKey(loadTemplates);
    loadTemplates();
  };

  Page.register({ name: "generate", title: "Generate", build });
})();
