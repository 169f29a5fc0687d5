<?xml version="1.0" encoding="UTF-8"?>
<!-- air-gap: capture on the source network, send to transfer-out.hs -->
<dmhs>
  <base>
    <lang>en</lang>
    <mgr_port>5345</mgr_port>
    <ckpt_interval>60</ckpt_interval>
    <siteid>1</siteid>
    <version>2.0</version>
  </base>
  <cpt>
    <db_type>MYSQL</db_type>
    <db_server>127.0.0.1</db_server>
    <db_port>3306</db_port>
    <db_user>repl</db_user>
    <db_pwd>change-me</db_pwd>
    <db_name>app</db_name>
    <ddl_mask>op:obj</ddl_mask>
    <send>
      <ip>127.0.0.1</ip>
      <mgr_port>5545</mgr_port>
      <data_port>5546</data_port>
      <filter>
        <enable><item>app.*</item></enable>
      </filter>
    </send>
  </cpt>
</dmhs>
