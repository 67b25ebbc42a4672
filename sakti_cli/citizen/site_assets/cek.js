/* The verification page: look a code up in its data file, then compare a PDF's SHA-256 with every
   revision the office issued. Data files are scripts (data/<sha256 of the code>.js) so the page also
   works opened from disk (file://), where fetch is refused. Text from the data is only ever set with
   textContent, never parsed as HTML. */
(function () {
  "use strict";
  var info = window.SAKTI_SITUS || {};
  var records = {};
  var current = null;
  var currentKey = null;

  window.saktiSurat = function (key, record) {
    records[key] = record;
  };

  function el(id) {
    return document.getElementById(id);
  }

  function make(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  /* The code as the register stores it (letters.normalise_code): capitals and digits only. */
  function normalise(text) {
    return String(text || "").toUpperCase().replace(/[^A-Z0-9]/g, "");
  }

  /* The code part of whatever was typed or scanned: ?k=/?kode=, else the fragment, else the last path
     segment of a URL; plain text is the code itself. */
  function codePart(text) {
    var value = String(text || "").replace(/\s+/g, "");
    if (!/[\/?#=]/.test(value)) return value;
    var query = value.indexOf("?") >= 0 ? value.split("?")[1].split("#")[0] : "";
    var found = null;
    query.split("&").forEach(function (pair) {
      var bits = pair.split("=");
      if (!found && (bits[0] === "k" || bits[0] === "kode") && bits[1]) found = bits[1];
    });
    if (found) return safeDecode(found);
    var hash = value.indexOf("#") >= 0 ? value.split("#")[1].replace(/^\/+|\/+$/g, "") : "";
    if (hash) return hash.split("/").pop();
    var path = value.split("?")[0].split("#")[0].split("/").filter(Boolean);
    return path.length ? path[path.length - 1] : "";
  }

  function safeDecode(text) {
    try {
      return decodeURIComponent(text);
    } catch (e) {
      return text;
    }
  }

  function codeFromLocation() {
    var hash = safeDecode(location.hash.replace(/^#\/?/, ""));
    if (hash) return hash;
    var params = new URLSearchParams(location.search);
    if (params.get("k") || params.get("kode")) return params.get("k") || params.get("kode");
    var segment = safeDecode(location.pathname.split("/").filter(Boolean).pop() || "");
    /* a host that routes .../cek/KODE to this page (old QR codes) */
    if (!/\.[A-Za-z0-9]+$/.test(segment) && normalise(segment).length >= 12) return segment;
    return "";
  }

  function toHex(buffer) {
    var bytes = new Uint8Array(buffer);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += ("0" + bytes[i].toString(16)).slice(-2);
    return hex;
  }

  /* SHA-256 of bytes: WebCrypto where the browser offers it (https, localhost, file://), else our own. */
  function digest(bytes) {
    if (window.isSecureContext && window.crypto && window.crypto.subtle) {
      document.body.setAttribute("data-sidik", "webcrypto");
      return window.crypto.subtle.digest("SHA-256", bytes).then(toHex);
    }
    document.body.setAttribute("data-sidik", "js");
    return Promise.resolve(window.saktiSha256(new Uint8Array(bytes)));
  }

  function load(key) {
    return new Promise(function (resolve) {
      if (records[key]) {
        resolve(records[key]);
        return;
      }
      var script = document.createElement("script");
      var fresh = location.protocol === "file:" ? "" : "?t=" + Date.now();  // a voided letter shows at once
      script.src = "data/" + key + ".js" + fresh;
      script.onload = function () {
        script.remove();
        resolve(records[key] || null);
      };
      script.onerror = function () {
        script.remove();
        resolve(null);
      };
      document.head.appendChild(script);
    });
  }

  function row(list, term, value) {
    list.appendChild(make("dt", term));
    var dd = make("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = value || "-";
    list.appendChild(dd);
  }

  function signatory(person) {
    if (!person) return "-";
    var role = person.peran && person.peran !== "definitif" ? " (" + person.peran + ")" : "";
    return [person.nama, person.jabatan].filter(Boolean).join(", ") + role;
  }

  function revisionLabel(revision, index) {
    var kind = revision.jenis === "terbit" ? "diterbitkan" : "diperbarui";
    return "Revisi " + (index + 1) + ", " + kind + " " + (revision.waktu_tampil || "");
  }

  function officeName() {
    return info.kantor || "kantor kecamatan";
  }

  function showResult(code, record) {
    var box = el("hasil");
    var list = el("rincian");
    list.textContent = "";
    box.hidden = false;
    el("hasil-berkas").textContent = "";
    el("berkas").value = "";
    current = record;
    if (!record) {
      box.className = "asing";
      el("hasil-status").textContent = "TIDAK DIKENAL";
      el("hasil-keterangan").textContent = "Kode " + code + " tidak tercatat di situs " + officeName() +
        ". Periksa penulisannya. Bila kodenya benar, surat itu bukan terbitan kantor ini, atau data situs " +
        "belum diperbarui (" + (info.dibangun_tampil || "-") + ").";
      el("periksa-berkas").hidden = true;
      el("hasil-status").focus();
      return;
    }
    var voided = record.status === "DIBATALKAN";
    box.className = voided ? "batal" : "sah";
    el("hasil-status").textContent = voided ? "DIBATALKAN" : "SAH";
    el("hasil-keterangan").textContent = voided
      ? "Surat ini pernah diterbitkan oleh " + officeName() + ", tetapi telah DIBATALKAN dan tidak berlaku lagi."
      : "Surat ini tercatat diterbitkan oleh " + officeName() + ". Periksa juga berkasnya di bawah.";
    row(list, "Nomor surat", record.nomor_surat);
    row(list, "Layanan", record.layanan);
    row(list, "Tanggal terbit", record.tanggal);
    row(list, "Penandatangan", signatory(record.penandatangan));
    row(list, "Pemohon (tersamar)", record.pemohon);
    if (voided) {
      row(list, "Alasan pembatalan", record.alasan_batal);
      row(list, "Dibatalkan", record.dibatalkan);
      row(list, "Diganti oleh surat", record.diganti_oleh || "belum ada surat pengganti");
    }
    if (record.mengganti) row(list, "Mengganti surat", record.mengganti);
    var digests = make("ul");
    (record.revisi || []).forEach(function (revision, index) {
      var item = make("li", revisionLabel(revision, index) + ": ");
      item.appendChild(make("code", revision.sha256));
      digests.appendChild(item);
    });
    row(list, "Sidik SHA-256 berkas PDF yang diterbitkan", digests);
    el("periksa-berkas").hidden = false;
    el("hasil-status").focus();
  }

  function lookup(text) {
    var code = normalise(codePart(text));
    if (!code) {
      el("hasil").hidden = true;
      return Promise.resolve();
    }
    el("kode").value = code;
    var bytes = new TextEncoder().encode(code);
    return digest(bytes.buffer).then(function (key) {
      currentKey = key;
      return load(key).then(function (record) {
        if (currentKey === key) showResult(code, record);
      });
    });
  }

  function report(name, hex) {
    var out = el("hasil-berkas");
    out.textContent = "";
    var revisions = (current && current.revisi) || [];
    var index = -1;
    for (var i = 0; i < revisions.length; i++) {
      if (revisions[i].sha256 === hex) index = i;
    }
    var box = make("div", null, index >= 0 ? "cocok" : "beda");
    var verdict = make("p");
    verdict.appendChild(make("strong", index >= 0 ? "SAMA" : "TIDAK SAMA"));
    var text;
    if (index >= 0) {
      text = ": berkas \u201c" + name + "\u201d identik byte demi byte dengan surat yang diterbitkan kantor (" +
        revisionLabel(revisions[index], index) + ").";
      if (current.status === "DIBATALKAN") text += " Namun surat ini DIBATALKAN dan tidak berlaku lagi.";
    } else {
      text = ": berkas \u201c" + name + "\u201d berbeda dari setiap versi surat ini yang diterbitkan kantor; " +
        "isinya mungkin telah diubah. Jangan anggap berkas ini surat yang asli: minta berkasnya dari kantor " +
        "atau periksa surat kertasnya.";
    }
    verdict.appendChild(document.createTextNode(text));
    box.appendChild(verdict);
    var detail = make("p", "Sidik SHA-256 berkas ini: ", "bantuan");
    detail.appendChild(make("code", hex));
    box.appendChild(detail);
    out.appendChild(box);
  }

  function checkFile(file) {
    if (!file || !current) return;
    var out = el("hasil-berkas");
    out.textContent = "Menghitung sidik berkas\u2026";
    var reader = new FileReader();
    reader.onload = function () {
      digest(reader.result).then(function (hex) {
        report(file.name, hex);
      });
    };
    reader.onerror = function () {
      out.textContent = "Berkas tidak dapat dibaca. Coba pilih lagi.";
    };
    reader.readAsArrayBuffer(file);
  }

  function start() {
    if (info.kantor) el("kantor").textContent = info.kantor + (info.kabupaten ? ", " + info.kabupaten : "");
    el("dibangun").textContent = "Data situs diperbarui: " + (info.dibangun_tampil || "-");
    el("cari").addEventListener("submit", function (event) {
      event.preventDefault();
      var code = normalise(codePart(el("kode").value));
      if (code && location.hash !== "#" + code) location.hash = code;  // hashchange looks it up
      else lookup(code);
    });
    window.addEventListener("hashchange", function () {
      lookup(codeFromLocation());
    });
    el("berkas").addEventListener("change", function () {
      checkFile(el("berkas").files[0]);
    });
    var zone = el("jatuhkan");
    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      zone.classList.add("aktif");
    });
    zone.addEventListener("dragleave", function () {
      zone.classList.remove("aktif");
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("aktif");
      checkFile(event.dataTransfer && event.dataTransfer.files[0]);
    });
    lookup(codeFromLocation());
  }

  start();
})();
