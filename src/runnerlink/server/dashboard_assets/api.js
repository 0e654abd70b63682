// Reads of runnerlink's own HTTP API (everything under /_runnerlink/): JSON in, an Error with the server's message
// out when the answer is not 2xx.

export const BASE = "/_runnerlink/";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The URL of /_runnerlink/<path> with params (empty, null and undefined values are left out). */
export function apiUrl(path, params = {}) {
  const url = new URL(BASE + path.replace(/^\/+/, ""), location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  return url.pathname + url.search;
}

/** GET /_runnerlink/<path>?params as JSON; throws ApiError on a non-2xx answer (with the server's message). */
export async function api(path, params = {}, options = {}) {
  let response;
  try {
    response = await fetch(apiUrl(path, params), { headers: { accept: "application/json" }, signal: options.signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "NetworkError", `runnerlink is not answering (${error.message})`);
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = (body && (body.message || body.Message)) || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, (body && (body.error || body.__type)) || "HttpError", message);
  }
  return body;
}
