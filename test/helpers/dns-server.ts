import dns2 from 'dns2';

/** A DNS server of the test's own on 127.0.0.1 (UDP) answering TXT queries from a table it can change. */
export interface TestDns {
  /** `127.0.0.1:<port>`, for GATEHOUSE_DNS_SERVERS. */
  address: string;
  /** TXT records by name; each record is a list of character-strings (RFC 1035 §3.3.14). */
  txt: Map<string, string[][]>;
  /** Names queried so far, in order. */
  queries: string[];
  close(): Promise<void>;
}

export async function startTestDns(): Promise<TestDns> {
  const { Packet } = dns2;
  const txt = new Map<string, string[][]>();
  const queries: string[] = [];
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = question!.name.toLowerCase();
      queries.push(name);
      const records = txt.get(name);
      if (!records) response.header.rcode = 3; // NXDOMAIN
      for (const data of records ?? []) response.answers.push({ name: question!.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data } as never);
      send(response);
    },
  });
  await server.listen({ udp: { port: 0, address: '127.0.0.1' } } as never);
  const port = (server.addresses() as { udp?: { port: number } }).udp!.port;
  return { address: `127.0.0.1:${port}`, txt, queries, close: () => server.close() };
}
