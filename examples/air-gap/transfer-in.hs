<?xml version="1.0" encoding="UTF-8"?>
<!-- air-gap, target side: segment files in, TCP out to exec.hs -->
<dmhs>
  <base>
    <lang>en</lang>
    <mgr_port>5745</mgr_port>
    <ckpt_interval>60</ckpt_interval>
    <siteid>7</siteid>
    <version>2.0</version>
  </base>
  <transfer>
    <recv>
      <file_path>/tmp/synctl-example/gap-in</file_path>
      <archive_path>/tmp/synctl-example/gap-done</archive_path>
      <poll_interval>1</poll_interval>
    </recv>
    <send>
      <ip>127.0.0.1</ip>
      <mgr_port>5645</mgr_port>
      <data_port>5646</data_port>
    </send>
  </transfer>
</dmhs>
