// The assistant page's one script (served from /assets, as the CSP requires): it posts the
// question to the API and shows the answer as it streams in (server-sent events). Without it,
// the form posts to the page, which comes back with the whole answer.
"use strict";

(function () {
  const form = document.getElementById("assistant-form");
  if (!form || !window.fetch || !window.TextDecoder || !window.ReadableStream) {
    return;
  }
  const list = document.getElementById("assistant-messages");
  const progress = document.getElementById("assistant-progress");
  const problem = document.getElementById("assistant-problem");
  const button = form.querySelector("button[type=submit]");

  function bubble(who, text, mine) {
    const item = document.createElement("li");
    item.className = mine ? "message message-mine" : "message";
    const name = document.createElement("span");
    name.className = "message-who";
    name.textContent = who;
    const body = document.createElement("p");
    body.className = "message-text";
    body.textContent = text;
    item.append(name, body);
    list.append(item);
    list.hidden = false;
    return body;
  }

  function say(text) {
    problem.textContent = text;
    problem.hidden = !text;
  }

  // One event of the stream: its name and its JSON data.
  function parse(block) {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) {
        name = line.slice(6).trim();
      } else if (line.startsWith("data:")) {
        data.push(line.slice(5).replace(/^ /, ""));
      }
    }
    if (data.length === 0) {
      return null;
    }
    try {
      return { name: name, data: JSON.parse(data.join("\n")) };
    } catch (e) {
      return null;
    }
  }

  async function ask(question) {
    const body = { question: question };
    const open = form.elements.conversation_id.value;
    if (open) {
      body.conversation_id = open;
    }
    const response = await fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "text/event-stream",
        "X-CSRF-Token": form.elements.csrf_token.value,
      },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      let message = "The assistant could not take the question.";
      try {
        const error = await response.json();
        if (error && error.error && error.error.message) {
          message = error.error.message;
        }
      } catch (e) {
        // Not JSON: keep the plain message.
      }
      say(message);
      return;
    }
    bubble("You", question, true);
    const answer = bubble("Assistant", "", false);
    answer.parentElement.id = "assistant-streaming";
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      buffered += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const event = parse(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
        if (!event) {
          continue;
        }
        if (event.name === "text") {
          answer.textContent += event.data.text;
        } else if (event.name === "tool") {
          progress.textContent = "Looking at your books (" + event.data.tool.replace(/_/g, " ") + ")…";
        } else if (event.name === "done") {
          form.elements.conversation_id.value = event.data.conversation_id;
          answer.parentElement.removeAttribute("id");
          answer.parentElement.classList.add("message-done");
          history.replaceState(null, "", "?c=" + encodeURIComponent(event.data.conversation_id));
        } else if (event.name === "error") {
          say(event.data.message);
        }
      }
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const question = form.elements.question.value.trim();
    if (!question) {
      say("Type a question first.");
      return;
    }
    say("");
    button.disabled = true;
    progress.textContent = "Thinking…";
    ask(question)
      .catch(function () {
        say("The connection was lost before the answer was complete. Please try again.");
      })
      .finally(function () {
        button.disabled = false;
        progress.textContent = "";
        form.elements.question.value = "";
        form.elements.question.focus();
      });
  });
})();
