// localStorage that never throws: private modes and full disks only lose the memory.

export function load(key) {
  try {
    return localStorage.getItem(key) || "";
  } catch {
    return "";
  }
}

export function save(key, value) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // without storage this tab still works until it reloads
  }
}
