// The accounts on this device, in IndexedDB. A record holds the device key as a CryptoKey object:
// IndexedDB keeps it as the browser's own non-extractable key, never as bytes this code could read.

const DB_NAME = 'gatehouse-authenticator';
const STORE = 'accounts';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Every account, oldest first. */
export async function listAccounts() {
  const all = await run('readonly', (s) => s.getAll());
  return all.sort((a, b) => a.addedAt - b.addedAt);
}

export const getAccount = (id) => run('readonly', (s) => s.get(id));
export const saveAccount = (account) => run('readwrite', (s) => s.put(account));
export const deleteAccount = (id) => run('readwrite', (s) => s.delete(id));

/** One account per device of a server: its id joins the server and the device id it was given. */
export function accountId(issuer, deviceId) {
  return `${issuer}#${deviceId}`;
}
