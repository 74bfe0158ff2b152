// Tệp minh chứng of a record (a model, a unit report): choose or drop several files, give each a caption, send them one by one with a progress bar.
// Without this script the form still works: every chosen file is sent at once with the one caption.
(function () {
  "use strict";
  var form = document.getElementById("evidence-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = document.getElementById("evidence-files");
  var drop = document.getElementById("evidence-drop");
  var queue = document.getElementById("evidence-queue");
  var oneCaption = document.getElementById("evidence-one-caption");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var chosen = [];
  var MAX = Number(form.getAttribute("data-max-bytes")) || 20 * 1024 * 1024;
  var MAX_LABEL = form.getAttribute("data-max-label") || "20 MB";

  function size(n) {
    return n >= 1048576 ? (n / 1048576).toFixed(1).replace(".", ",") + " MB" : Math.ceil(n / 1024) + " KB";
  }

  var chosenLine = document.getElementById("evidence-chosen");

  function names(list) {
    return list.length ? "Đã chọn " + list.length + " tệp: " + list.join(", ") + "." : "Chưa chọn tệp nào.";
  }

  function render() {
    chosenLine.textContent = names(chosen.map(function (item) { return item.file.name; }));
    queue.innerHTML = "";
    oneCaption.style.display = chosen.length ? "none" : "";
    chosen.forEach(function (item, index) {
      var li = document.createElement("li");
      li.className = "evidence-pending";
      var name = document.createElement("p");
      name.className = "evidence-name";
      name.textContent = item.file.name + " (" + size(item.file.size) + ")";
      var label = document.createElement("label");
      label.setAttribute("for", "evidence-caption-" + index);
      label.textContent = "Chú thích cho " + item.file.name;
      var caption = document.createElement("input");
      caption.type = "text";
      caption.id = "evidence-caption-" + index;
      caption.maxLength = 500;
      caption.value = item.caption;
      caption.addEventListener("input", function () { item.caption = caption.value; });
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", "Tiến độ tải lên " + item.file.name);
      var state = document.createElement("p");
      state.className = "evidence-state";
      if (item.file.size > MAX) {
        state.setAttribute("role", "alert");
        state.textContent = "Tệp vượt quá " + MAX_LABEL + ", dung lượng tối đa của một tệp.";
      }
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "link";
      drop.textContent = "Bỏ chọn";
      drop.setAttribute("aria-label", "Bỏ chọn " + item.file.name);
      drop.addEventListener("click", function () { chosen.splice(index, 1); render(); });
      li.append(name, label, caption, bar, state, drop);
      item.bar = bar;
      item.state = state;
      queue.appendChild(li);
    });
  }

  function add(files) {
    Array.prototype.forEach.call(files, function (file) { chosen.push({ file: file, caption: "" }); });
    input.value = "";
    render();
  }

  chosenLine.textContent = names([]);
  input.addEventListener("change", function () { add(input.files); });
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (event) { event.preventDefault(); drop.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function () { drop.classList.remove("dragging"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files) { add(event.dataTransfer.files); }
  });

  function send(item) {
    return new Promise(function (resolve) {
      var body = new FormData();
      body.append("csrf_token", csrf);
      body.append("file", item.file, item.file.name);
      body.append("caption", item.caption);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { item.bar.value = Math.round(event.loaded * 100 / event.total); }
      });
      xhr.addEventListener("load", function () {
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = {}; }
        if (xhr.status >= 200 && xhr.status < 300) {
          item.bar.value = 100;
          item.state.textContent = "Đã tải lên.";
          resolve(true);
        } else {
          item.state.setAttribute("role", "alert");
          item.state.textContent = (answer.title || (xhr.status === 413 ? "Tệp quá lớn." : "Không tải lên được.")) +
            (answer.detail ? " " + answer.detail : "");
          resolve(false);
        }
      });
      xhr.addEventListener("error", function () {
        item.state.setAttribute("role", "alert");
        item.state.textContent = "Mất kết nối khi tải lên; vui lòng thử lại.";
        resolve(false);
      });
      xhr.send(body);
    });
  }

  form.addEventListener("submit", function (event) {
    if (!chosen.length) { return; } // nothing chosen here: the form goes as it is and the page says so
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var all = true;
    chosen.reduce(function (previous, item) {
      return previous.then(function () { return send(item).then(function (ok) { all = all && ok; }); });
    }, Promise.resolve()).then(function () {
      button.disabled = false;
      if (all) {
        window.location.assign(window.location.pathname + "?da-tai=" + chosen.length + "#minh-chung");
      } else {
        chosen = chosen.filter(function (item) { return item.bar.value < 100; });
      }
    });
  });
})();
